"""What installing the wheel brings: the product is a JupyterLab extension, so JupyterLab
comes with it, not only with the development extra."""

from __future__ import annotations

from importlib.metadata import requires

from packaging.requirements import Requirement


def test_jupyterlab_4_is_a_dependency_of_the_package_itself() -> None:
    plain = [Requirement(r) for r in requires("dataops_jupyter") or []]
    jupyterlab = [r for r in plain if r.name == "jupyterlab" and r.marker is None]
    assert jupyterlab, "jupyterlab is only installed with an extra"
    assert jupyterlab[0].specifier.contains("4.6.0")
    assert not jupyterlab[0].specifier.contains("5.0.0")
