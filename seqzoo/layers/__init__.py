"""Keras layers of seqzoo: tokenizers that live inside the models, and fast recurrent layers."""
from seqzoo.layers.char_tokenizer import CharTokenizer
from seqzoo.layers.gru import GRU
from seqzoo.layers.lstm import LSTM
from seqzoo.layers.precision import set_inference_precision
from seqzoo.layers.simple_rnn import SimpleRNN
from seqzoo.layers.tokenizer import Tokenizer
from seqzoo.layers.word_tokenizer import WordTokenizer

__all__ = ["GRU", "LSTM", "CharTokenizer", "SimpleRNN", "Tokenizer", "WordTokenizer", "set_inference_precision"]
