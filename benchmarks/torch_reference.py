"""PyTorch eager copies of the zoo's LSTM models, raw inputs in, for the latency benchmark.

What a user who picked PyTorch would write: the tokenizer in Python, the
network as `nn.Embedding` + `nn.LSTM` + `nn.Linear` with the Keras weights
copied in (Keras' gate order i, f, c, o is PyTorch's i, f, g, o; kernels
transpose), eager calls under `torch.inference_mode()`. benchmarks/latency.py
checks their answers against seqzoo's before timing them.
"""
from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import torch

from benchmarks.generation import torch_lstm

END_ID, START_ID, OOV_ID = 3, 2, 1
_WORD = re.compile(r"\w+|[^\w\s]")  # Words, and each other symbol on its own (as seqzoo's split).


def copy_lstm(layers, input_size: int) -> torch.nn.LSTM:
    """A stacked `nn.LSTM` holding the weights of Keras LSTM layers (unidirectional)."""
    hidden = layers[0].units
    lstm = torch.nn.LSTM(input_size, hidden, num_layers=len(layers), batch_first=True)
    with torch.no_grad():
        for i, layer in enumerate(layers):
            kernel, recurrent, bias = layer.get_weights()
            getattr(lstm, f"weight_ih_l{i}").copy_(torch.from_numpy(kernel.T))
            getattr(lstm, f"weight_hh_l{i}").copy_(torch.from_numpy(recurrent.T))
            getattr(lstm, f"bias_ih_l{i}").copy_(torch.from_numpy(bias))
            getattr(lstm, f"bias_hh_l{i}").zero_()
    return lstm.eval()


def linear(dense) -> torch.nn.Linear:
    kernel, bias = dense.get_weights()
    layer = torch.nn.Linear(*kernel.shape)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(kernel.T))
        layer.bias.copy_(torch.from_numpy(bias))
    return layer.eval()


class CharLM:
    """predict_next and generate of a char LSTM."""

    def __init__(self, model):
        self.embedding, self.lstm, self.head = torch_lstm(model)
        vocabulary = list(model.tokenizer.vocabulary)
        self.index = {c: i + 4 for i, c in enumerate(vocabulary)}
        self.readable = ["<pad>", "<unk>", "<s>", "<end>"] + vocabulary
        self.cells = []
        for i in range(self.lstm.num_layers):
            cell = torch.nn.LSTMCell(self.lstm.input_size if i == 0 else self.lstm.hidden_size, self.lstm.hidden_size)
            with torch.no_grad():
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(cell, name).copy_(getattr(self.lstm, f"{name}_l{i}"))
            self.cells.append(cell)
        self.generator = torch.Generator().manual_seed(0)

    def _ids(self, text: str) -> torch.Tensor:
        return torch.tensor([[START_ID] + [self.index.get(c, OOV_ID) for c in text]])

    def next_logits(self, text: str) -> np.ndarray:
        with torch.inference_mode():
            out, _ = self.lstm(self.embedding(self._ids(text)))
            return self.head(out[0, -1]).numpy()

    def predict_next(self, prefix: str, k: int = 5) -> list[tuple[str, float]]:
        with torch.inference_mode():
            out, _ = self.lstm(self.embedding(self._ids(prefix)))
            probs = torch.softmax(self.head(out[0, -1]), -1)
            probs[[0, START_ID]] = 0.0
            top = torch.topk(probs, k)
            return [(self.readable[i], p) for i, p in zip(top.indices.tolist(), top.values.tolist())]

    def generate(self, prompt: str, length: int) -> str:
        with torch.inference_mode():
            out, (h, c) = self.lstm(self.embedding(self._ids(prompt)))
            states = [(h[i], c[i]) for i in range(self.lstm.num_layers)]
            logits = self.head(out[:, -1])
            produced = []
            for _ in range(length):
                logits[:, :3] = -math.inf  # pad, unknown, start
                token = torch.multinomial(torch.softmax(logits, -1), 1, generator=self.generator)[:, 0]
                if int(token) == END_ID:
                    break
                produced.append(self.readable[int(token)])
                x = self.embedding(token)
                for i, cell in enumerate(self.cells):
                    states[i] = cell(x, states[i])
                    x = states[i][0]
                logits = self.head(x)
        return prompt + "".join(produced)


def keras_next_logits(model, text: str) -> np.ndarray:
    ids = model.preprocessor.with_markers([text])[:, :-1].numpy()
    return model.predict_on_batch(ids)[0, -1]


class Classifier:
    """predict and classify of a unidirectional LSTM text classifier (last or max-mean pooling)."""

    def __init__(self, model):
        backbone = model.backbone
        if backbone.bidirectional or backbone.architecture != "lstm":
            raise NotImplementedError("the PyTorch reference covers unidirectional LSTMs")
        self.embedding = torch.nn.Embedding(backbone.vocabulary_size, backbone.embedding_dim)
        with torch.no_grad():
            self.embedding.weight.copy_(torch.from_numpy(backbone.token_embedding.get_weights()[0]))
        self.lstm = copy_lstm(backbone.recurrent_layers, backbone.embedding_dim)
        self.head = linear(model.classifier_head)
        self.temperature = float(model.temperature)
        self.pooling = model.pooling
        self.labels = list(model.labels)
        self.length = int(model.preprocessor.sequence_length)
        self.index = {w: i + 4 for i, w in enumerate(model.preprocessor.tokenizer.vocabulary)}

    def _chunks(self, texts):
        rows, owners, sizes = [], [], []
        for i, text in enumerate(texts):
            words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())[:50_000]
            ids = [self.index.get(w, OOV_ID) for w in words]
            for start in range(0, max(1, len(ids)), self.length):
                piece = ids[start : start + self.length]
                rows.append(piece or [0])
                owners.append(i)
                sizes.append(max(1, len(piece)))
        return rows, owners, sizes

    def predict(self, texts) -> np.ndarray:
        rows, owners, sizes = self._chunks(texts)
        with torch.inference_mode():
            if len(rows) == 1:
                out, (h, _) = self.lstm(self.embedding(torch.tensor(rows)))
                mask = torch.ones(out.shape[:2], dtype=torch.bool)
            else:
                lengths = torch.tensor([len(r) for r in rows])
                padded = torch.nn.utils.rnn.pad_sequence([torch.tensor(r) for r in rows], batch_first=True)
                packed = torch.nn.utils.rnn.pack_padded_sequence(self.embedding(padded), lengths, batch_first=True,
                                                                 enforce_sorted=False)
                out, (h, _) = self.lstm(packed)
                out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
                mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]
            if self.pooling == "last":
                pooled = h[-1]
            else:
                weights = mask[:, :, None].float()
                mean = (out * weights).sum(1) / weights.sum(1).clamp(min=1.0)
                pooled = torch.cat([out.masked_fill(~mask[:, :, None], -1e9).amax(1), mean], -1)
            probs = torch.softmax(self.head(pooled) / self.temperature, -1) * torch.tensor(sizes)[:, None]
            summed = torch.zeros(len(texts), probs.shape[1]).index_add_(0, torch.tensor(owners), probs)
            return (summed / summed.sum(1, keepdim=True)).numpy()

    def classify(self, texts) -> list[tuple[str, float]]:
        probs = self.predict(texts)
        return [(self.labels[int(i)], float(row[i])) for row, i in zip(probs, probs.argmax(1))]


class Forecaster:
    """forecast of a one-step LSTM forecaster (dataset normalisation, residual head) from a DataFrame."""

    def __init__(self, model):
        if getattr(model, "normalization", "dataset") != "dataset":
            raise NotImplementedError("the PyTorch reference covers dataset normalisation")
        reader = model.reader
        self.features, self.targets = list(reader.feature_names), list(reader.target_indices)
        self.window, self.date_column, self.season = reader.window, reader.date_column, reader.season
        mean = np.array(model.normalizer.mean, np.float32).reshape(-1)
        std = np.maximum(np.sqrt(np.asarray(model.normalizer.variance, np.float32).reshape(-1)), 1e-7)
        self.mean, self.std = torch.from_numpy(mean), torch.from_numpy(std)
        self.lstm = copy_lstm(model.backbone.recurrent_layers, len(reader.input_columns))
        self.change = linear(model.head.change)
        self.change_mean = torch.tensor(np.array(model.head.change_mean))
        self.change_std = torch.tensor(np.array(model.head.change_std))

    def forecast(self, frame) -> np.ndarray:
        import pandas as pd

        frame = frame.tail(self.window)
        values = frame[self.features].to_numpy(np.float32)
        if self.season:
            day = pd.to_datetime(frame[self.date_column]).dt.dayofyear.to_numpy() - 1
            angle = 2 * np.pi * day / 365.25
            values = np.concatenate([values, np.sin(angle)[:, None], np.cos(angle)[:, None]], 1).astype(np.float32)
        with torch.inference_mode():
            x = torch.from_numpy(values)[None]
            _, (h, _) = self.lstm((x - self.mean) / self.std)
            change = self.change(h[-1])
            return (x[:, -1, self.targets] + self.change_mean + self.change_std * change)[0].numpy()
