"""The control service: deploys, schedules, executes and monitors jobs over a REST API."""
