"""Models arrive with this app's issue; see DESIGN.md for what it will own."""
