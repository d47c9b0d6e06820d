"""Write the control service's OpenAPI document to docs/ (``python -m …openapi [PATH]``)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from .app import create_app
from .config import ServiceConfig
from .service import ControlService


def document() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        config = ServiceConfig(
            db_url=f"sqlite:///{folder}/x.db", artifacts=Path(folder), background=False
        )
        spec: dict[str, object] = create_app(ControlService(config)).openapi()
        return spec


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/control-service-openapi.json")
    target.write_text(json.dumps(document(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
