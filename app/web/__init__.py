"""What every HTTP entry point shares: the trust policy each blueprint declares."""
