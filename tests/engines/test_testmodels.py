"""The generated MediaPipe test model has the converter's container layout (CPython)."""
import numpy as np
import pytest

from app.engines.mediapipe import Sampling, creation_options
from app.engines.prompts import gemma_prompt

tflite = pytest.importorskip("tflite")


@pytest.fixture(scope="module")
def model_bytes():
    from tools.testmodels import mediapipe_gemma
    return mediapipe_gemma.build_model()


def test_container_layout(model_bytes):
    from tools.testmodels import mediapipe_gemma as g
    assert len(model_bytes) >= 1024 * 1024
    m = tflite.Model.GetRootAsModel(model_bytes, 0)
    assert m.SubgraphsLength() == 1 and m.Subgraphs(0).OperatorsLength() == 0
    meta = {m.Metadata(i).Name().decode(): m.Metadata(i).Buffer() for i in range(m.MetadataLength())}
    assert meta["odml.infra.LlmModelType"] == g.LLM_MODEL_TYPE_GEMMA_2B
    assert m.Buffers(meta["backend"]).Offset() % g.TENSOR_ALIGN == 0
    backend = m.Buffers(meta["backend"])
    assert model_bytes[backend.Offset():backend.Offset() + backend.Size()] == b"gpu"
    graph = m.Subgraphs(0)
    names = {graph.Tensors(i).Name().decode(): graph.Tensors(i) for i in range(graph.TensorsLength())}
    first_data = min(m.Buffers(t.Buffer()).Offset() for t in names.values())
    assert first_data % g.HEADER_ALIGN == 0
    q = "params.lm.transformer.x_layers_0.self_attention.q.w"
    for name in (q, q + "_quantized_scale", q + ".sum_i", "params.lm.final_ln.scale",
                 "params.lm.softmax.logits_ffn.w"):
        assert name in names
    w = names[q]
    buf = m.Buffers(w.Buffer())
    weights = np.frombuffer(model_bytes, np.int8, buf.Size(), buf.Offset()).reshape(256, 256)
    sums = m.Buffers(names[q + ".sum_i"].Buffer())
    assert (np.frombuffer(model_bytes, np.int32, 256, sums.Offset())
            == weights.astype(np.int32).sum(axis=1)).all()


def test_gemma_prompt_turns():
    prompt = gemma_prompt([{"role": "system", "content": "Be brief."},
                           {"role": "user", "content": "Hi"},
                           {"role": "assistant", "content": "Hello"},
                           {"role": "user", "content": "Bye"}])
    assert prompt == ("<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n"
                      "<start_of_turn>model\nHello<end_of_turn>\n"
                      "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n")


def test_creation_options_from_the_catalog_entry():
    opts = creation_options({"context": 2048, "lora_ranks": [4, 8]}, Sampling(40, 0.8, 101))
    assert opts == {"maxTokens": 2048, "topK": 40, "temperature": 0.8, "randomSeed": 101,
                    "loraRanks": [4, 8]}
    assert "loraRanks" not in creation_options({}, Sampling(1, 0.0, 0))
