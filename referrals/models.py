"""Consult tickets (see referrals.services); models arrive with the consult-ticket issue."""
