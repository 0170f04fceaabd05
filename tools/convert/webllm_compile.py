"""Compile the model library (.wasm) web-llm loads: our Llama definition (webllm_model.py) for
WebGPU, its host code as wasm32 objects, linked by emscripten with TVM's wasm runtime.

Runs inside the converter's environment (it imports tvm):
    python -m tools.convert.webllm_compile SHAPE_JSON OUT_WASM --runtime-objects DIR
        [--prefill-chunk N] [--context N] [--schedule gpu|software] [--fused-decode]

Why wasm objects and not LLVM bitcode: Debian's emscripten 3.1.6 has LLVM 14, which cannot
read the bitcode of the LLVM 22 inside PyPI's TVM, but its wasm-ld links the objects.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import tvm
from tvm import relax

from tools.convert import webllm_layout
from tools.convert.webllm_model import LlamaForWebLLM

TARGET = {"kind": "webgpu", "max_num_threads": 256,
          "host": {"kind": "llvm", "mtriple": "wasm32-unknown-unknown-wasm"}}


# Our own fused decode kernels for the GPU library (211 kernels per token instead of 302; see
# LlamaForWebLLM): off by default, since they were checked on SwiftShader only (same greedy
# tokens) and never timed on a real GPU, where the unfused library ran at 61 tok/s (H100).
FUSED_DECODE = False


def build_module(shape, prefill_chunk, context, schedule="gpu", fused_decode=FUSED_DECODE):
    target = tvm.target.Target(TARGET)
    model = LlamaForWebLLM(shape, target, fused_decode=fused_decode and schedule == "gpu")
    mod, named_params = model.export_tvm(spec=model.get_default_spec())
    expected = webllm_layout.parameters(shape)
    got = [(name, tuple(int(d) for d in p.shape)) for name, p in named_params]
    if got != expected:
        raise SystemExit(f"internal error: the compiled parameters differ from webllm_layout: "
                         f"{[a for a, b in zip(got, expected) if a != b][:3]}")
    metadata = {
        "model_type": "llama", "quantization": "q0f32",
        "context_window_size": context, "sliding_window_size": -1, "attention_sink_size": -1,
        "prefill_chunk_size": prefill_chunk, "tensor_parallel_shards": 1,
        "max_batch_size": 1, "kv_state_kind": "kv_cache",
        "params": [{"name": n, "shape": list(s), "dtype": shape.dtype, "preprocs": []}
                   for n, s in expected],
        "memory_usage": {},
    }
    bb = relax.BlockBuilder(mod)
    with bb.function("_metadata", params=[]):
        bb.emit_func_output(tvm.ir.StringImm(json.dumps(metadata)))
    return bb.finalize(), target


SCHEDULES = ("gpu", "software")     # app/download/catalog.py ADAPTERS


def schedule_rules(schedule):
    """dlight's rules for one kind of adapter (app/engines/hardware.py adapter_kind).

    "gpu", a real GPU: TVM's standard GPU rule set, as mlc-llm uses it. Matrix-vector
    products (all of decode) by the GEMV rule: a workgroup of 64 threads per output row,
    coalesced loads, a tree sum in shared memory. RMSNorm and softmax by a workgroup per row,
    partial sums in registers, one kernel each.
    "software", a CPU-emulated adapter (SwiftShader: headless Chromium, CI): matrix-vector
    products and reductions one output per thread (dlight's Fallback). There a workgroup
    costs far more than a few hundred multiply-adds, and the GEMV rule's one workgroup per
    row made decoding ~3x slower (17.7 vs 5.8 s/token; 49,152 workgroups for the logits).
    On a real GPU Fallback is slow the other way: RMSNorm and softmax (over 49,152 logits)
    are summed by one thread, read-modify-writing global memory at every element, and a
    matrix-vector product has only as many threads as outputs (576 for o_proj: 3
    workgroups on the whole GPU), each walking a whole row."""
    from tvm.s_tir import dlight as dl
    if schedule == "gpu":
        return [dl.gpu.Matmul(), dl.gpu.GEMV(), dl.gpu.Reduction(), dl.gpu.GeneralReduction(),
                dl.gpu.Fallback()]
    if schedule == "software":
        return [dl.gpu.Matmul(), dl.gpu.Fallback()]
    raise ValueError(f"unknown schedule {schedule!r} (one of {', '.join(SCHEDULES)})")


def pipeline(target, schedule):
    """TVM's generic GPU pipeline with the dlight rules of `schedule_rules(schedule)`.
    FuseTransposeMatmul (as in mlc-llm) makes each `x @ W.T` one kernel reading W as stored
    ([out, in], rows contiguous); without it every call transposed every weight into a
    temporary first: 121 transpose kernels and 540 MB copied per decoded token."""
    from tvm.relax.backend import gpu_generic
    from tvm.s_tir import dlight as dl

    legalize = [relax.transform.FuseTransposeMatmul(), relax.transform.LegalizeOps(),
                relax.transform.AnnotateTIROpPattern(), relax.transform.FoldConstant(),
                relax.transform.FuseOps(), relax.transform.FuseTIR(),
                dl.ApplyDefaultSchedule(*schedule_rules(schedule))]

    @tvm.transform.module_pass(opt_level=0)
    def _pipeline(mod, _ctx):
        with target:
            seq = tvm.transform.Sequential(
                gpu_generic.library_dispatch_passes(target) + legalize
                + gpu_generic.dataflow_lower_passes(target) + gpu_generic.finalize_passes(target))
            return seq(mod)
    return _pipeline


def link_with(runtime_objects):
    """An export_library `fcompile` that links with emcc, the runtime objects first."""
    def link(output, objects, options=None):
        cmd = ["emcc", "-O3", "--no-entry", "-s", "WASM_BIGINT=1",
               "-s", "ERROR_ON_UNDEFINED_SYMBOLS=0", "-s", "STANDALONE_WASM=1",
               "-s", "ALLOW_MEMORY_GROWTH=1", "-s", "TOTAL_MEMORY=160MB",
               "-o", str(output), *map(str, runtime_objects), *map(str, objects), *(options or [])]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"emcc failed ({done.returncode}): {done.stderr[-4000:]}")
    link.object_format = "o"
    return link


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("shape_json")
    ap.add_argument("out_wasm")
    ap.add_argument("--runtime-objects", required=True)
    ap.add_argument("--prefill-chunk", type=int, default=128)
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--schedule", choices=SCHEDULES, default="gpu")
    ap.add_argument("--fused-decode", action="store_true",
                    help="the GPU library with our fused decode kernels (not timed on a GPU yet)")
    args = ap.parse_args(argv)
    shape = webllm_layout.LlamaShape(**json.loads(Path(args.shape_json).read_text()))
    mod, target = build_module(shape, args.prefill_chunk, args.context, args.schedule,
                               args.fused_decode)
    ex = relax.build(mod, target=target, relax_pipeline=pipeline(target, args.schedule))
    objects = sorted(Path(args.runtime_objects).glob("*.o"))
    if not objects:
        raise SystemExit(f"no runtime objects in {args.runtime_objects}")
    ex.export_library(args.out_wasm, fcompile=link_with(objects))
    print(f"compiled {args.out_wasm}", file=sys.stderr)


if __name__ == "__main__":
    main()
