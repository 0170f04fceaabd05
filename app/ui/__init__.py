"""DOM rendering. Text is always set as text, never parsed as HTML."""
