"""Merge a drafter adapter into the base weights, for a production model served by Ollama.

Runs in the training environment. The base is the packaged GGUF, dequantized as in training;
the merged model is saved as a Hugging Face folder that llama.cpp's convert_hf_to_gguf.py
turns into a GGUF (scripts/finetune.sh --merge does the rest: conversion, Q4_K_M, Modelfile).

    python training/drafter/merge.py --gguf BASE.gguf --adapter PEFT_DIR --out HF_DIR
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import torch
import transformers
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gguf", type=Path, required=True)
    parser.add_argument("--adapter", type=Path, required=True, help="the PEFT adapter folder")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    transformers.utils.logging.set_verbosity_error()
    tokenizer = AutoTokenizer.from_pretrained(args.gguf.parent, gguf_file=args.gguf.name)
    base = AutoModelForCausalLM.from_pretrained(args.gguf.parent, gguf_file=args.gguf.name, dtype=torch.float32)
    merged = PeftModel.from_pretrained(base, args.adapter).merge_and_unload()
    # A model read from GGUF says it is gguf-quantized; the merged weights are plain floats.
    merged.hf_quantizer = None
    if hasattr(merged.config, "quantization_config"):
        del merged.config.quantization_config
    merged.config.architectures = [type(merged).__name__]
    merged.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
