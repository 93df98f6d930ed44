"""nmbrs/soap."""
