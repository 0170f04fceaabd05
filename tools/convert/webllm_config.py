"""`mlc-chat-config.json`, the file web-llm reads first: vocabulary size, context window,
token ids, sampling defaults and the conversation template (how turns become a prompt).

Pure Python. The template is derived from the GGUF's chat template: ChatML (`<|im_start|>`
... `<|im_end|>`) is the one this converter knows; anything else is refused rather than
guessed, since a wrong template makes a model answer nonsense without any error.
"""
import json
import re

from tools.convert.webllm_layout import LayoutError

DEFAULT_SYSTEM = "You are a helpful AI assistant."


def chatml_template(tokens, chat_template, eos_id):
    if "<|im_start|>" not in tokens or "<|im_end|>" not in tokens or \
            "<|im_start|>" not in (chat_template or ""):
        raise LayoutError("the model's chat template is not ChatML (<|im_start|> ... <|im_end|>); "
                          "no other template is supported")
    # the default system message the model was trained with, when its template has one
    found = re.search(r"<\|im_start\|>system\\n(.*?)<\|im_end\|>", chat_template or "")
    system = found.group(1) if found else DEFAULT_SYSTEM
    end_id = tokens.index("<|im_end|>")
    return {
        "name": "chatml",
        "system_template": "<|im_start|>system\n{system_message}<|im_end|>\n",
        "system_message": system,
        "roles": {"user": "<|im_start|>user", "assistant": "<|im_start|>assistant"},
        "role_templates": {"user": "{user_message}", "assistant": "{assistant_message}",
                           "tool": "{tool_message}"},
        "messages": [],
        "seps": ["<|im_end|>\n"],
        "role_content_sep": "\n",
        "role_empty_sep": "\n",
        "stop_str": ["<|im_end|>"],
        "system_prefix_token_ids": [],
        "stop_token_ids": sorted({end_id, eos_id} - {None}),
        "add_role_after_system_message": True,
    }


def chat_config(meta, shape, context, prefill_chunk):
    """The mlc-chat-config.json text for a model of `shape` with GGUF metadata `meta`."""
    tokens = meta["tokenizer.ggml.tokens"]
    eos = meta.get("tokenizer.ggml.eos_token_id")
    data = {
        "version": "0.1.0",
        "model_type": "llama",
        "quantization": "q0f32",
        "model_config": shape.to_json(),
        "vocab_size": shape.vocab_size,
        "context_window_size": context,
        "sliding_window_size": -1,
        "prefill_chunk_size": prefill_chunk,
        "attention_sink_size": -1,
        "tensor_parallel_shards": 1,
        "temperature": 0.7, "top_p": 0.95, "repetition_penalty": 1.0,
        "presence_penalty": 0.0, "frequency_penalty": 0.0,
        "bos_token_id": meta.get("tokenizer.ggml.bos_token_id"),
        "eos_token_id": eos,
        "pad_token_id": meta.get("tokenizer.ggml.padding_token_id", 0),
        "tokenizer_files": ["tokenizer.json"],
        "tokenizer_info": {"token_postproc_method": "byte_level", "prepend_space_in_encode": False,
                           "strip_space_in_decode": False},
        "conv_template": chatml_template(tokens, meta.get("tokenizer.chat_template"), eos),
    }
    return json.dumps(data, indent=1)
