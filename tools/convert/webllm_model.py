"""A Llama-family decoder written on `tvm.relax.frontend.nn`, exposing the VM functions
web-llm 0.2.86 calls (see LLMChatPipeline in its lib/index.js):

    embed(input_ids, params)                          -> embeddings
    prefill(embeddings, kv_cache, params)             -> (logits of the last token, kv_cache)
    decode(embeddings, kv_cache, params)              -> (logits, kv_cache)
    create_tir_paged_kv_cache(5 x ShapeTuple([n]))    -> the paged KV cache (TVM's TIR kernels)
    softmax_with_temperature, argsort_probs, sample_with_top_p       (sampling on the GPU)
    apply_logit_bias_inplace, apply_penalty_inplace, apply_bitmask_inplace

For real GPUs (`fused_decode`), decode uses our own fused float32 kernels at the end of this
file: 7 kernels per layer instead of 10.

Runs only inside the converter's environment (tools/convert/webllm_venv.py): it imports tvm.
The parameter names are those of tools/convert/webllm_layout.py, which the weight writer uses too.
"""
import tvm
from tvm import te
from tvm.relax.frontend import nn
from tvm.relax.frontend.nn import Tensor, op
from tvm.relax.frontend.nn.llm.kv_cache import PagedKVCache, TIRPagedKVCache
from tvm.relax.frontend.nn.llm._kernel_common import RopeMode
from tvm.script import tirx as T

THREADS = 256       # threads per workgroup in our own kernels (WebGPU allows 256)
BISECTION_STEPS = 24    # top-p threshold to 2**-24: below float32 resolution near 1


class Attention(nn.Module):
    def __init__(self, cfg):
        self.cfg = cfg
        qkv_rows = (cfg.num_heads + 2 * cfg.num_kv_heads) * cfg.head_dim
        self.qkv_proj = nn.Linear(cfg.hidden_size, qkv_rows, bias=False)
        self.o_proj = nn.Linear(cfg.num_heads * cfg.head_dim, cfg.hidden_size, bias=False)

    def forward(self, x, kv_cache, layer_id):
        return self.attend(self.qkv_proj(x), kv_cache, layer_id)

    def attend(self, qkv, kv_cache, layer_id):
        c = self.cfg
        b, s, _ = qkv.shape
        qkv = op.reshape(qkv, (b, s, c.num_heads + 2 * c.num_kv_heads, c.head_dim))
        # RoPE, the cache append and attention all happen inside the paged KV cache
        out = kv_cache.attention_with_fused_qkv(layer_id, qkv, c.num_heads,
                                                sm_scale=c.head_dim ** -0.5)
        return self.o_proj(op.reshape(out, (b, s, c.num_heads * c.head_dim)))


class Mlp(nn.Module):
    def __init__(self, cfg):
        self.cfg = cfg
        self.gate_up_proj = nn.Linear(cfg.hidden_size, 2 * cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        gate, up = op.split(self.gate_up_proj(x), 2, axis=-1)
        return self.down_proj(op.silu(gate) * up)


class DecoderLayer(nn.Module):
    def __init__(self, cfg, fused_decode):
        self.cfg = cfg
        self.fused_decode = fused_decode
        self.self_attn = Attention(cfg)
        self.mlp = Mlp(cfg)
        width, eps = cfg.hidden_size, cfg.rms_norm_eps
        self.input_layernorm = nn.RMSNorm(width, -1, eps, bias=False)
        self.post_attention_layernorm = nn.RMSNorm(width, -1, eps, bias=False)

    def forward(self, x, kv_cache, layer_id):
        if self.fused_decode and isinstance(x.shape[1], int) and x.shape[1] == 1:
            # one token: 7 kernels instead of 10 (each RMSNorm inside the product after it,
            # SiLU(gate) * up and the residual inside down_proj)
            qkv = _rms_norm_linear(x, self.input_layernorm, self.self_attn.qkv_proj, self.cfg)
            x = x + self.self_attn.attend(qkv, kv_cache, layer_id)
            gate_up = _rms_norm_linear(x, self.post_attention_layernorm, self.mlp.gate_up_proj,
                                       self.cfg)
            return op.tensor_ir_op(_silu_down_add_kernel(self.cfg), "silu_mul_down_add",
                                   [gate_up, self.mlp.down_proj.weight, x],
                                   Tensor.placeholder(x.shape, x.dtype))
        x = x + self.self_attn(self.input_layernorm(x), kv_cache, layer_id)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, cfg, fused_decode):
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(cfg, fused_decode)
                                     for _ in range(cfg.num_layers)])
        self.norm = nn.RMSNorm(cfg.hidden_size, -1, cfg.rms_norm_eps, bias=False)

    def forward(self, x, kv_cache, final_norm=True):
        for layer_id, layer in enumerate(self.layers):
            x = layer(x, kv_cache, layer_id)
        return self.norm(x) if final_norm else x


class LlamaForWebLLM(nn.Module):
    """`fused_decode`: decode with our own fused kernels (`_rms_norm_linear`,
    `_silu_down_add_kernel`): for real GPUs, where a kernel launch costs more than the work of
    most of them. They give a workgroup per 4 output rows, which CPU-emulated adapters pay
    dearly for (see webllm_compile.schedule_rules), so the software library goes without."""

    def __init__(self, cfg, target, fused_decode=False):
        self.cfg = cfg
        self.target = target
        self.fused_decode = fused_decode
        self.model = Decoder(cfg, fused_decode)
        if not cfg.tie_word_embeddings:
            self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)

    def _head(self):
        return self.model.embed_tokens if self.cfg.tie_word_embeddings else self.lm_head

    def _logits(self, hidden):
        if self.cfg.tie_word_embeddings:
            logits = op.matmul(hidden, op.permute_dims(self.model.embed_tokens.weight))
        else:
            logits = self.lm_head(hidden)
        return logits.astype("float32") if logits.dtype != "float32" else logits

    def embed(self, input_ids: Tensor):
        return self.model.embed_tokens(input_ids)

    def prefill(self, input_embed: Tensor, paged_kv_cache: PagedKVCache):
        hidden = self.model(input_embed, paged_kv_cache)

        def last_token(x):      # web-llm samples from the last position only
            b, s, d = x.shape
            return te.compute((b, 1, d), lambda i, _, k: x[i, s - 1, k], name="last_token")
        hidden = op.tensor_expr_op(last_token, name_hint="last_token", args=[hidden])
        return self._logits(hidden), paged_kv_cache

    def decode(self, input_embed: Tensor, paged_kv_cache: PagedKVCache):
        if self.fused_decode:
            hidden = self.model(input_embed, paged_kv_cache, final_norm=False)
            logits = _rms_norm_linear(hidden, self.model.norm, self._head(), self.cfg)
            return logits, paged_kv_cache
        return self._logits(self.model(input_embed, paged_kv_cache)), paged_kv_cache

    def create_tir_paged_kv_cache(self, max_batch_size: tvm.tirx.Var,
                                  max_total_seq_len: tvm.tirx.Var,
                                  prefill_chunk_size: tvm.tirx.Var, page_size: tvm.tirx.Var,
                                  support_sliding_window: tvm.tirx.Var) -> PagedKVCache:
        c = self.cfg
        return TIRPagedKVCache(
            attn_kind="mha",
            max_batch_size=max_batch_size, max_total_seq_len=max_total_seq_len,
            prefill_chunk_size=prefill_chunk_size, page_size=page_size,
            support_sliding_window=support_sliding_window,
            layer_partition=tvm.relax.ShapeExpr([0, c.num_layers]),
            num_hidden_layers=c.num_layers, num_attention_heads=c.num_heads,
            num_key_value_heads=c.num_kv_heads, qk_head_dim=c.head_dim, v_head_dim=c.head_dim,
            mla_original_qk_head_dim=0, mla_original_v_head_dim=0,
            rope_mode=RopeMode.NORMAL, rope_scale=1, rope_theta=c.rope_theta, rope_scaling={},
            rope_ext_factors=tvm.relax.prim_value(0), rotary_dim=c.head_dim,
            enable_disaggregation=False, dtype=c.dtype, target=self.target)

    # --- sampling, as web-llm's sampleTokenFromLogits calls it ---
    def softmax_with_temperature(self, logits: Tensor, temperature: Tensor):
        b, n, v = logits.shape
        scaled = logits / op.reshape(temperature, (b, 1, 1))
        return op.softmax(scaled, axis=-1)

    def argsort_probs(self, probs: Tensor):
        # TVM's GPU sort uses blockIdx.z, which its WebGPU codegen refuses. Our own
        # sample_with_top_p needs no sorted order, so this hands the probabilities on
        # unsorted, with their token ids (web-llm only passes the pair through to it).
        b, v = probs.shape
        copy = op.tensor_expr_op(
            lambda p: te.compute((b, v), lambda i, j: p[i, j], name="probs_copy"),
            name_hint="probs_copy", args=[probs])
        ids = op.tensor_expr_op(
            lambda p: te.compute((b, v), lambda i, j: j.astype("int32"), name="token_ids"),
            name_hint="token_ids", args=[probs])
        return copy, ids

    def sample_with_top_p(self, sorted_probs: Tensor, sorted_indices: Tensor,
                          uniform_samples: Tensor, sample_indices: Tensor, top_p: Tensor):
        # sorted_probs are unsorted and sorted_indices unused: see argsort_probs
        n = sample_indices.shape[0]
        return op.tensor_ir_op(_top_p_sample_kernel(), "top_p_sample",
                               [sorted_probs, uniform_samples, sample_indices, top_p],
                               Tensor.placeholder((n,), "int32"))

    def apply_logit_bias_inplace(self, logits: Tensor, pos2seq_id: Tensor, token_ids: Tensor,
                                 logit_bias: Tensor):
        return op.tensor_ir_inplace_op(_logit_bias_kernel(), "apply_logit_bias_inplace",
                                       [logits, pos2seq_id, token_ids, logit_bias], [0],
                                       Tensor.placeholder(logits.shape, logits.dtype))

    def apply_penalty_inplace(self, logits: Tensor, seq_ids: Tensor, pos2seq_id: Tensor,
                              token_ids: Tensor, token_cnt: Tensor, penalties: Tensor):
        return op.tensor_ir_inplace_op(_penalty_kernel(), "apply_penalty_inplace",
                                       [logits, seq_ids, pos2seq_id, token_ids, token_cnt,
                                        penalties],
                                       [0], Tensor.placeholder(logits.shape, logits.dtype))

    def apply_bitmask_inplace(self, logits: Tensor, seq_ids: Tensor, bitmask: Tensor):
        return op.tensor_ir_inplace_op(_bitmask_kernel(), "apply_bitmask_inplace",
                                       [logits, seq_ids, bitmask], [0],
                                       Tensor.placeholder(logits.shape, logits.dtype))

    def get_default_spec(self):
        c = self.cfg
        packed = {"param_mode": "packed", "effect_mode": "none"}
        plain = {"param_mode": "none", "effect_mode": "none"}
        kv = nn.spec.Object(object_type=PagedKVCache)
        return nn.spec.ModuleSpec.from_raw({
            "embed": {"input_ids": nn.spec.Tensor(["seq_len"], "int32"), "$": packed},
            "prefill": {"input_embed": nn.spec.Tensor([1, "seq_len", c.hidden_size], c.dtype),
                        "paged_kv_cache": kv, "$": packed},
            "decode": {"input_embed": nn.spec.Tensor([1, 1, c.hidden_size], c.dtype),
                       "paged_kv_cache": kv, "$": packed},
            "create_tir_paged_kv_cache": {"max_batch_size": int, "max_total_seq_len": int,
                                          "prefill_chunk_size": int, "page_size": int,
                                          "support_sliding_window": int, "$": plain},
            "softmax_with_temperature": {
                "logits": nn.spec.Tensor(["batch_size", 1, "vocab_size"], "float32"),
                "temperature": nn.spec.Tensor(["batch_size"], "float32"), "$": plain},
            "argsort_probs": {"probs": nn.spec.Tensor(["batch_size", "vocab_size"], "float32"),
                              "$": plain},
            "sample_with_top_p": {
                "sorted_probs": nn.spec.Tensor(["batch_size", "vocab_size"], "float32"),
                "sorted_indices": nn.spec.Tensor(["batch_size", "vocab_size"], "int32"),
                "uniform_samples": nn.spec.Tensor(["num_samples"], "float32"),
                "sample_indices": nn.spec.Tensor(["num_samples"], "int32"),
                "top_p": nn.spec.Tensor(["batch_size"], "float32"), "$": plain},
            "apply_logit_bias_inplace": {
                "logits": nn.spec.Tensor(["batch_size", "vocab_size"], "float32"),
                "pos2seq_id": nn.spec.Tensor(["num_token"], "int32"),
                "token_ids": nn.spec.Tensor(["num_token"], "int32"),
                "logit_bias": nn.spec.Tensor(["num_token"], "float32"), "$": plain},
            "apply_penalty_inplace": {
                "logits": nn.spec.Tensor(["batch_size", "vocab_size"], "float32"),
                "seq_ids": nn.spec.Tensor(["num_seq"], "int32"),
                "pos2seq_id": nn.spec.Tensor(["num_token"], "int32"),
                "token_ids": nn.spec.Tensor(["num_token"], "int32"),
                "token_cnt": nn.spec.Tensor(["num_token"], "int32"),
                "penalties": nn.spec.Tensor(["num_seq", 3], "float32"), "$": plain},
            "apply_bitmask_inplace": {
                "logits": nn.spec.Tensor(["batch_size", "vocab_size"], "float32"),
                "seq_ids": nn.spec.Tensor(["num_seq"], "int32"),
                "bitmask": nn.spec.Tensor(["batch_size", "bitmask_size"], "int32"), "$": plain},
        }, self)


# In-place logit edits: one thread per touched element, scheduled by hand (dlight leaves
# scheduled functions alone; WebGPU needs every loop bound to a thread).

def _logit_bias_kernel():
    @T.prim_func(s_tir=True)
    def logit_bias_kernel(var_logits: T.handle, var_pos2seq_id: T.handle, var_token_ids: T.handle,
               var_logit_bias: T.handle):
        T.func_attr({"tirx.is_scheduled": True, "tirx.noalias": True})
        batch_size, vocab_size, num_token = T.int32(), T.int32(), T.int32()
        logits = T.match_buffer(var_logits, (batch_size, vocab_size), "float32")
        pos2seq_id = T.match_buffer(var_pos2seq_id, (num_token,), "int32")
        token_ids = T.match_buffer(var_token_ids, (num_token,), "int32")
        logit_bias = T.match_buffer(var_logit_bias, (num_token,), "float32")
        for bx in T.thread_binding((num_token + THREADS - 1) // THREADS, thread="blockIdx.x"):
            for tx in T.thread_binding(THREADS, thread="threadIdx.x"):
                with T.sblock("bias"):
                    T.where(bx * THREADS + tx < num_token)
                    i = T.axis.spatial(num_token, bx * THREADS + tx)
                    logits[pos2seq_id[i], token_ids[i]] += logit_bias[i]
    return logit_bias_kernel


def _penalty_kernel():
    @T.prim_func(s_tir=True)
    def penalty_kernel(var_logits: T.handle, var_seq_ids: T.handle, var_pos2seq_id: T.handle,
               var_token_ids: T.handle, var_token_cnt: T.handle, var_penalties: T.handle):
        T.func_attr({"tirx.is_scheduled": True, "tirx.noalias": True})
        batch_size, vocab_size, num_token, num_seq = T.int32(), T.int32(), T.int32(), T.int32()
        logits = T.match_buffer(var_logits, (batch_size, vocab_size), "float32")
        seq_ids = T.match_buffer(var_seq_ids, (num_seq,), "int32")
        pos2seq_id = T.match_buffer(var_pos2seq_id, (num_token,), "int32")
        token_ids = T.match_buffer(var_token_ids, (num_token,), "int32")
        token_cnt = T.match_buffer(var_token_cnt, (num_token,), "int32")
        penalties = T.match_buffer(var_penalties, (num_seq, 3), "float32")
        for bx in T.thread_binding((num_token + THREADS - 1) // THREADS, thread="blockIdx.x"):
            for tx in T.thread_binding(THREADS, thread="threadIdx.x"):
                with T.sblock("penalty"):
                    T.where(bx * THREADS + tx < num_token)
                    i = T.axis.spatial(num_token, bx * THREADS + tx)
                    # presence and frequency (OpenAI), then repetition (CTRL)
                    logits[seq_ids[pos2seq_id[i]], token_ids[i]] -= (
                        penalties[pos2seq_id[i], 0]
                        + T.Cast("float32", token_cnt[i]) * penalties[pos2seq_id[i], 1])
                    logits[seq_ids[pos2seq_id[i]], token_ids[i]] = T.if_then_else(
                        logits[seq_ids[pos2seq_id[i]], token_ids[i]] < T.float32(0),
                        logits[seq_ids[pos2seq_id[i]], token_ids[i]] * penalties[pos2seq_id[i], 2],
                        logits[seq_ids[pos2seq_id[i]], token_ids[i]] / penalties[pos2seq_id[i], 2])
    return penalty_kernel


def _bitmask_kernel():
    @T.prim_func(s_tir=True)
    def bitmask_kernel(var_logits: T.handle, var_seq_ids: T.handle, var_bitmask: T.handle):
        T.func_attr({"tirx.is_scheduled": True, "tirx.noalias": True})
        batch_size, vocab_size, num_seq = T.int32(), T.int32(), T.int32()
        logits = T.match_buffer(var_logits, (batch_size, vocab_size), "float32")
        seq_ids = T.match_buffer(var_seq_ids, (num_seq,), "int32")
        bitmask = T.match_buffer(var_bitmask, (batch_size, (vocab_size + 31) // 32), "int32")
        for bx in T.thread_binding((num_seq * vocab_size + THREADS - 1) // THREADS,
                                   thread="blockIdx.x"):
            for tx in T.thread_binding(THREADS, thread="threadIdx.x"):
                with T.sblock("mask"):
                    T.where(bx * THREADS + tx < num_seq * vocab_size)
                    s = T.axis.spatial(num_seq, (bx * THREADS + tx) // vocab_size)
                    v = T.axis.spatial(vocab_size, (bx * THREADS + tx) % vocab_size)
                    logits[seq_ids[s], v] = T.if_then_else(
                        (bitmask[seq_ids[s], v // 32] >> (v % 32)) & 1 == 1,
                        logits[seq_ids[s], v], T.float32(-3.4028234663852886e38))
    return bitmask_kernel


def _top_p_sample_kernel():
    """Nucleus sampling without a sort, one workgroup per sample: bisect for the probability
    threshold whose tokens hold `top_p` of the mass, then draw from the tokens at or above it,
    with the uniform sample scaled to their mass.

    Thread `tx` owns tokens tx, tx + THREADS, tx + 2 * THREADS, ... so that neighbouring
    threads read neighbouring words (coalesced on a GPU, one vector load on SwiftShader).
    Each step sums, in one pass, the mass at or above the midpoint and counts the tokens
    left between the bounds; once no token lies between them, more steps cannot change the
    tokens kept and the rest are skipped (greedy decoding, a one-hot distribution, stops
    after 2 passes instead of 24). The draw walks the tokens in thread order (tx, then
    tx + THREADS, ...): a fixed order, so it samples the same distribution as token order."""
    log2_threads = THREADS.bit_length() - 1

    @T.prim_func(s_tir=True)
    def top_p_sample(var_probs: T.handle, var_uniform: T.handle, var_sample_indices: T.handle,
                     var_top_p: T.handle, var_out: T.handle):
        T.func_attr({"tirx.is_scheduled": True, "tirx.noalias": True})
        batch, vocab, n = T.int32(), T.int32(), T.int32()
        probs = T.match_buffer(var_probs, (batch, vocab), "float32")
        uniform = T.match_buffer(var_uniform, (n,), "float32")
        sample_indices = T.match_buffer(var_sample_indices, (n,), "int32")
        top_p = T.match_buffer(var_top_p, (batch,), "float32")
        out = T.match_buffer(var_out, (n,), "int32")
        for bx in T.thread_binding(n, thread="blockIdx.x"):
            for tx in T.thread_binding(THREADS, thread="threadIdx.x"):
                with T.sblock("top_p_sample"):
                    T.reads()
                    T.writes()
                    mass_part = T.sblock_alloc_buffer((THREADS,), "float32", scope="shared")
                    below_part = T.sblock_alloc_buffer((THREADS,), "int32", scope="shared")
                    above_part = T.sblock_alloc_buffer((THREADS,), "int32", scope="shared")
                    thr_lo = T.sblock_alloc_buffer((1,), "float32", scope="local")
                    thr_hi = T.sblock_alloc_buffer((1,), "float32", scope="local")
                    thr_mid = T.sblock_alloc_buffer((1,), "float32", scope="local")
                    run_sum = T.sblock_alloc_buffer((1,), "float32", scope="local")
                    n_below = T.sblock_alloc_buffer((1,), "int32", scope="local")
                    n_above = T.sblock_alloc_buffer((1,), "int32", scope="local")
                    settled = T.sblock_alloc_buffer((1,), "int32", scope="local")
                    draw_at = T.sblock_alloc_buffer((1,), "float32", scope="local")
                    pick_part = T.sblock_alloc_buffer((1,), "int32", scope="local")
                    pick_token = T.sblock_alloc_buffer((1,), "int32", scope="local")
                    # shared memory is read into here first: TVM's sync planner rejects
                    # shared loads inside a condition. (Buffer names become WGSL
                    # identifiers, so none may be a WGSL keyword such as `target`.)
                    shared_val = T.sblock_alloc_buffer((1,), "float32", scope="local")
                    cnt_below = T.sblock_alloc_buffer((1,), "int32", scope="local")
                    cnt_above = T.sblock_alloc_buffer((1,), "int32", scope="local")
                    chunk: T.let[T.int32] = (vocab + THREADS - 1) // THREADS
                    row: T.let[T.int32] = sample_indices[bx]
                    thr_lo[0] = T.float32(0)
                    thr_hi[0] = T.float32(1)
                    settled[0] = 0
                    for _step in T.serial(BISECTION_STEPS):
                        # no barrier depends on `settled` (WGSL wants barriers in uniform
                        # control flow): a settled workgroup only skips the loads
                        thr_mid[0] = (thr_lo[0] + thr_hi[0]) * T.float32(0.5)
                        run_sum[0] = T.float32(0)
                        n_below[0] = 0
                        n_above[0] = 0
                        if settled[0] == 0:
                            for j in T.serial(chunk):
                                if j * THREADS + tx < vocab:
                                    if probs[row, j * THREADS + tx] >= thr_mid[0]:
                                        run_sum[0] = run_sum[0] + probs[row, j * THREADS + tx]
                                        if probs[row, j * THREADS + tx] < thr_hi[0]:
                                            n_above[0] = n_above[0] + 1
                                    elif probs[row, j * THREADS + tx] >= thr_lo[0]:
                                        n_below[0] = n_below[0] + 1
                        mass_part[tx] = run_sum[0]
                        below_part[tx] = n_below[0]
                        above_part[tx] = n_above[0]
                        T.tvm_storage_sync("shared")
                        for k in T.unroll(log2_threads):
                            if tx < (THREADS >> (k + 1)):
                                mass_part[tx] = mass_part[tx] + mass_part[tx + (THREADS >> (k + 1))]
                                below_part[tx] = (below_part[tx]
                                                  + below_part[tx + (THREADS >> (k + 1))])
                                above_part[tx] = (above_part[tx]
                                                  + above_part[tx + (THREADS >> (k + 1))])
                            T.tvm_storage_sync("shared")
                        shared_val[0] = mass_part[0]
                        cnt_below[0] = below_part[0]
                        cnt_above[0] = above_part[0]
                        if settled[0] == 0:
                            if shared_val[0] >= top_p[row]:
                                thr_lo[0] = thr_mid[0]
                                if cnt_above[0] == 0:
                                    settled[0] = 1
                            else:
                                thr_hi[0] = thr_mid[0]
                                if cnt_below[0] == 0:
                                    settled[0] = 1
                        T.tvm_storage_sync("shared")
                    run_sum[0] = T.float32(0)
                    for j in T.serial(chunk):
                        if j * THREADS + tx < vocab:
                            if probs[row, j * THREADS + tx] >= thr_lo[0]:
                                run_sum[0] = run_sum[0] + probs[row, j * THREADS + tx]
                    mass_part[tx] = run_sum[0]
                    T.tvm_storage_sync("shared")
                    if tx == 0:
                        run_sum[0] = T.float32(0)
                        for t in T.serial(THREADS):
                            run_sum[0] = run_sum[0] + mass_part[t]
                        draw_at[0] = uniform[bx] * run_sum[0]
                        run_sum[0] = T.float32(0)
                        pick_part[0] = -1
                        for t in T.serial(THREADS):
                            shared_val[0] = mass_part[t]
                            if shared_val[0] > T.float32(0):
                                if pick_part[0] < 0:
                                    if run_sum[0] + shared_val[0] > draw_at[0]:
                                        pick_part[0] = t
                                    else:
                                        run_sum[0] = run_sum[0] + shared_val[0]
                        if pick_part[0] < 0:          # rounding left the draw past the end
                            for t in T.serial(THREADS):
                                shared_val[0] = mass_part[t]
                                if shared_val[0] > T.float32(0):
                                    pick_part[0] = t
                        pick_token[0] = -1
                        for j in T.serial(chunk):
                            if j * THREADS + pick_part[0] < vocab:
                                if probs[row, j * THREADS + pick_part[0]] >= thr_lo[0]:
                                    if pick_token[0] < 0:
                                        run_sum[0] = (run_sum[0]
                                                      + probs[row, j * THREADS + pick_part[0]])
                                        if run_sum[0] > draw_at[0]:
                                            pick_token[0] = j * THREADS + pick_part[0]
                        if pick_token[0] < 0:
                            for j in T.serial(chunk):
                                if j * THREADS + pick_part[0] < vocab:
                                    if probs[row, j * THREADS + pick_part[0]] >= thr_lo[0]:
                                        pick_token[0] = j * THREADS + pick_part[0]
                        out[bx] = T.max(pick_token[0], 0)
    return top_p_sample


# Fused decode kernels (one token, float32), scheduled by hand: DECODE_LANES threads along the
# input, DECODE_ROWS output rows per workgroup; every workgroup recomputes what it needs of the
# input vector (576 or 1536 values), which costs less than a kernel launch of its own.
DECODE_LANES = 64
DECODE_ROWS = 4


def _rms_norm_linear(x, norm, linear, cfg):
    """linear(norm(x)) for one token in one kernel: RMSNorm's sum of squares is recomputed by
    every workgroup, then each row's dot product is scaled by it."""
    weight = linear.weight
    rows, width = (int(d) for d in weight.shape)
    name = f"rms_norm_linear_{rows}"        # one kernel per shape: distinct symbols
    kernel = _rms_norm_linear_kernel(width, rows, cfg.rms_norm_eps).with_attr("global_symbol", name)
    return op.tensor_ir_op(kernel, name, [x, norm.weight, weight],
                           Tensor.placeholder((1, 1, rows), "float32"))


def _rms_norm_linear_kernel(width, rows, eps):
    lanes, per_group = DECODE_LANES, DECODE_ROWS
    if width % lanes or rows % per_group:
        raise ValueError(f"fused decode needs width % {lanes} == 0 and rows % {per_group} == 0")
    steps, log2_lanes = width // lanes, lanes.bit_length() - 1

    @T.prim_func(s_tir=True)
    def rms_norm_linear(x: T.Buffer((1, 1, width), "float32"),
                        norm_w: T.Buffer((width,), "float32"),
                        w: T.Buffer((rows, width), "float32"),
                        out: T.Buffer((1, 1, rows), "float32")):
        T.func_attr({"tirx.is_scheduled": True, "tirx.noalias": True})
        for bx in T.thread_binding(rows // per_group, thread="blockIdx.x"):
            for ty in T.thread_binding(per_group, thread="threadIdx.y"):
                for tx in T.thread_binding(lanes, thread="threadIdx.x"):
                    with T.sblock("rms_norm_linear"):
                        T.reads()
                        T.writes()
                        red = T.sblock_alloc_buffer((per_group * lanes,), "float32",
                                                    scope="shared")
                        acc = T.sblock_alloc_buffer((1,), "float32", scope="local")
                        inv_rms = T.sblock_alloc_buffer((1,), "float32", scope="local")
                        acc[0] = T.float32(0)
                        for j in T.unroll(steps):
                            acc[0] = acc[0] + x[0, 0, j * lanes + tx] * x[0, 0, j * lanes + tx]
                        red[ty * lanes + tx] = acc[0]
                        T.tvm_storage_sync("shared")
                        for k in T.unroll(log2_lanes):
                            if tx < (lanes >> (k + 1)):
                                red[ty * lanes + tx] = (red[ty * lanes + tx]
                                                        + red[ty * lanes + tx + (lanes >> (k + 1))])
                            T.tvm_storage_sync("shared")
                        inv_rms[0] = T.rsqrt(red[ty * lanes] / T.float32(width) + T.float32(eps))
                        T.tvm_storage_sync("shared")
                        acc[0] = T.float32(0)
                        for j in T.unroll(steps):
                            acc[0] = acc[0] + (x[0, 0, j * lanes + tx] * norm_w[j * lanes + tx]
                                               * w[bx * per_group + ty, j * lanes + tx])
                        red[ty * lanes + tx] = acc[0]
                        T.tvm_storage_sync("shared")
                        for k in T.unroll(log2_lanes):
                            if tx < (lanes >> (k + 1)):
                                red[ty * lanes + tx] = (red[ty * lanes + tx]
                                                        + red[ty * lanes + tx + (lanes >> (k + 1))])
                            T.tvm_storage_sync("shared")
                        acc[0] = red[ty * lanes] * inv_rms[0]
                        if tx == 0:
                            out[0, 0, bx * per_group + ty] = acc[0]
    return rms_norm_linear


def _silu_down_add_kernel(cfg):
    """residual + down_proj(SiLU(gate) * up) for one token in one kernel (gate_up stacked)."""
    width, inner = cfg.hidden_size, cfg.intermediate_size
    lanes, per_group = DECODE_LANES, DECODE_ROWS
    if inner % lanes or width % per_group:
        raise ValueError(f"fused decode needs intermediate % {lanes} == 0 "
                         f"and width % {per_group} == 0")
    steps, log2_lanes = inner // lanes, lanes.bit_length() - 1

    @T.prim_func(s_tir=True)
    def silu_down_add(gate_up: T.Buffer((1, 1, 2 * inner), "float32"),
                      w: T.Buffer((width, inner), "float32"),
                      residual: T.Buffer((1, 1, width), "float32"),
                      out: T.Buffer((1, 1, width), "float32")):
        T.func_attr({"tirx.is_scheduled": True, "tirx.noalias": True})
        for bx in T.thread_binding(width // per_group, thread="blockIdx.x"):
            for ty in T.thread_binding(per_group, thread="threadIdx.y"):
                for tx in T.thread_binding(lanes, thread="threadIdx.x"):
                    with T.sblock("silu_down_add"):
                        T.reads()
                        T.writes()
                        red = T.sblock_alloc_buffer((per_group * lanes,), "float32",
                                                    scope="shared")
                        acc = T.sblock_alloc_buffer((1,), "float32", scope="local")
                        gate = T.sblock_alloc_buffer((1,), "float32", scope="local")
                        acc[0] = T.float32(0)
                        for j in T.unroll(steps):
                            gate[0] = gate_up[0, 0, j * lanes + tx]
                            acc[0] = acc[0] + (gate[0] / (T.float32(1) + T.exp(-gate[0]))
                                               * gate_up[0, 0, inner + j * lanes + tx]
                                               * w[bx * per_group + ty, j * lanes + tx])
                        red[ty * lanes + tx] = acc[0]
                        T.tvm_storage_sync("shared")
                        for k in T.unroll(log2_lanes):
                            if tx < (lanes >> (k + 1)):
                                red[ty * lanes + tx] = (red[ty * lanes + tx]
                                                        + red[ty * lanes + tx + (lanes >> (k + 1))])
                            T.tvm_storage_sync("shared")
                        acc[0] = red[ty * lanes] + residual[0, 0, bx * per_group + ty]
                        if tx == 0:
                            out[0, 0, bx * per_group + ty] = acc[0]
    return silu_down_add
