"""The auditor's tool: ``python -m tools.audit export|verify|compare-topic`` (see tools/audit/cli.py)."""
