"""The llama.cpp road: exporting the served model as GGUF and serving it with llama.cpp."""
