"""Layer 3, the engine: the table reader, the
validator, the dispatcher (route table policy x demand family -> kernel) and the assembler.
The only layer that turns tables into row arrays and back. See docs/architecture.md."""
