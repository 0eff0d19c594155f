"""Scheduled jobs (PLT-4): thin APScheduler jobs that each call one service; a lease row in the
shared database decides which process in the office runs them."""
