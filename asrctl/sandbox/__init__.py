"""Local stand-ins for the remote services: the Nmbrs simulator and the reference a.s.r. registry."""
