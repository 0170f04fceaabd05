"""LLM engines: one `Engine` interface (base.py) over wllama, MediaPipe tasks-genai, web-llm."""
