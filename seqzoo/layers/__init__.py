"""Keras layers of seqzoo: tokenizers that live inside the models."""
from seqzoo.layers.char_tokenizer import CharTokenizer
from seqzoo.layers.tokenizer import Tokenizer
from seqzoo.layers.word_tokenizer import WordTokenizer

__all__ = ["CharTokenizer", "Tokenizer", "WordTokenizer"]
