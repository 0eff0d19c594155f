"""Message providers: Twilio (requests), SMTP (smtplib, verified TLS) and the sandbox.

Each provider is small (send, fetch status, list messages) and holds no business rules.
"""
