"""What every layer shares: errors, names of outside objects, settings, sealing, logging."""
