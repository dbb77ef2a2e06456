"""The PostgreSQL database backend Switching SM runs on (`ENGINE` in settings): Django's,
with a health check that costs no round trip when the server has said nothing."""
