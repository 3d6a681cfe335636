"""What operators watch: which records wait on whom, whether the remote systems answer,
the Prometheus metrics, /healthz's verdict, structured logs and error reporting."""
