"""What each window can do, as calls through the gateway: one call, one transaction, one Change."""
