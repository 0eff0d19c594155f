"""Command line: ``engage-desktop`` opens the desktop client; subcommands run headless work."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from engage_desktop.config import load_config
from engage_desktop.domain.rights import SYSTEM


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="engage-desktop", description="Engage Desktop for dental practices")
    parser.add_argument("--demo", action="store_true", help="open the demo practice (synthetic patients, nothing is sent)")
    parser.add_argument("--data-dir", type=Path, help="use this data directory instead of the platform default")
    sub = parser.add_subparsers(dest="command")
    sync = sub.add_parser("sync", help="sync the PMS mirror now")
    sync.add_argument("--full", action="store_true", help="full reconciliation instead of changes only")
    sub.add_parser("auto-link", help="link unlinked patients to charts where certain; queue the rest for review")
    sub.add_parser("test-connection", help="test the PMS connection and report what is missing")
    sub.add_parser("migrate", help="upgrade the local database schema")
    sub.add_parser("check-audit", help="verify the audit log's hash chain; exit 1 when it is broken")
    demo = sub.add_parser("make-demo", help="write an Open Dental-schema demo database")
    demo.add_argument("--patients", type=int, default=3000)
    demo.add_argument("--seed", type=int, default=20261122)
    demo.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "make-demo":
        from engage_desktop.pms import demo as demo_module

        summary = demo_module.write_sqlite(args.out, demo_module.DemoSpec(patients=args.patients, seed=args.seed))
        print(summary)
        return 0

    config = load_config(demo=args.demo, data_dir=args.data_dir)
    from engage_desktop.logging_setup import configure_logging

    configure_logging(config.log_dir, config.log_level, console=args.command is not None)
    from engage_desktop.bootstrap import bootstrap, ensure_demo_practice

    container = bootstrap(config)
    try:
        if args.demo:
            ensure_demo_practice(container)
        if args.command is None:
            from engage_desktop.bootstrap import DEMO_USERS
            from engage_desktop.ui.app import run

            hint = ""
            if args.demo:
                hint = "<b>Demo practice</b> — sign in as " + " or ".join(
                    f"<b>{name}</b> / {password} ({role.label})" for name, _, password, role in DEMO_USERS)
            return run(container.services, demo_hint=hint)
        # Headless commands run as the system (whoever can run them can read the database anyway);
        # what they change is audited under that name and this workstation.
        container.services.actor = replace(SYSTEM, workstation=f"{config.workstation} (command line)")
        if args.command == "check-audit":
            check = container.services.check_audit_chain()
            if check.ok:
                print(f"OK: the audit log's {check.records} records chain correctly.")
                return 0
            print(f"BROKEN: audit record {check.first_broken_id} does not match the chain "
                  "(it or the record before it was edited, inserted or deleted).")
            return 1
        if args.command == "migrate":
            print("The database schema is up to date.")
            return 0
        if args.command == "test-connection":
            settings = container.services.load_pms_settings()
            if settings is None:
                print("No PMS connection is set up yet.")
                return 2
            result = container.services.test_pms_connection(settings, None)
            print(("OK: " if result.ok else "FAILED: ") + result.message)
            if result.detail:
                print(f"Driver said: {result.detail}")
            return 0 if result.ok else 1
        if args.command == "auto-link":
            print(container.services.auto_link().summary)
            return 0
        if args.command == "sync":
            from engage_desktop.services.pms_sync import FULL, INCREMENTAL

            def show(p) -> None:
                print(f"\r{p.fraction:6.1%}  {p.message:<40}", end="", file=sys.stderr, flush=True)

            report = container.services.sync_pms(FULL if args.full else INCREMENTAL, progress=show)
            print(file=sys.stderr)
            print(report.summary())
            return 0 if report.outcome == "ok" else 1
    finally:
        container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
