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
    service = sub.add_parser("service", help="run the scheduled jobs headless (the office server): sync, sending, "
                             "delivery reports, replies, nightly auto-link; stops cleanly on Ctrl+C or SIGTERM")
    service.add_argument("--lease-seconds", type=float, default=45.0,
                         help="how long another computer waits before taking the jobs over when this one stops "
                              "answering (default 45)")
    test = sub.add_parser("send-test", help="send one test message through the whole engine and report what happened")
    test.add_argument("--to", required=True, help="a mobile number (sms) or an email address (email)")
    test.add_argument("--via", choices=("sms", "email"), required=True)
    test.add_argument("--text", help="the message (default: a short test text naming the practice)")
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
            runner = _job_runner(container)
            runner.start()  # the lease decides whether this desktop or another process runs the jobs
            try:
                return run(container.services, demo_hint=hint)
            finally:
                runner.stop()
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
        if args.command == "service":
            return _serve(container, lease_seconds=args.lease_seconds)
        if args.command == "send-test":
            return _send_test(container, to=args.to, via=args.via, text=args.text)
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


def _job_runner(container, *, lease_seconds: float = 45.0):
    from datetime import timedelta

    from engage_desktop.jobs.registry import office_jobs
    from engage_desktop.jobs.scheduler import JobRunner

    config = container.config
    # Jobs act as the system (their changes are audited under it), whoever signs in at this desk.
    system = replace(container.services, actor=replace(SYSTEM, workstation=f"{config.workstation} (scheduler)"))
    time_zone = container.services.engine.config().practice_tz
    ttl = timedelta(seconds=lease_seconds)
    return JobRunner(office_jobs(system), uow_factory=container.uow_factory, holder=container.services.engine.owner,
                     time_zone=time_zone, ttl=ttl, renew_every=ttl / 3)


def _serve(container, *, lease_seconds: float) -> int:
    import logging
    import signal
    import threading

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner = _job_runner(container, lease_seconds=lease_seconds)
    runner.start()
    logging.getLogger("engage_desktop.service").info("service running as %s; logs in %s", runner.holder,
                                                     container.config.log_dir)
    print(f"Engage Desktop service running (logs: {container.config.log_dir}). Ctrl+C stops it.", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        runner.stop()
    print("Stopped.", flush=True)
    return 0


def _send_test(container, *, to: str, via: str, text: str | None) -> int:
    from engage_desktop.domain.errors import ValidationFailed
    from engage_desktop.domain.outbox import OutboxStatus

    engine = container.services.engine
    try:
        result = engine.send_test(actor=container.services.actor, to=to, via=via, body=text)
    except ValidationFailed as exc:
        print(f"Not sent: {exc}")
        return 2
    print(result.summary)
    good = {OutboxStatus.SUBMITTED, OutboxStatus.SENT, OutboxStatus.DELIVERED}
    return 0 if result.status in good else 1


if __name__ == "__main__":
    sys.exit(main())
