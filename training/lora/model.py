"""The model being trained: the base LM with peft LoRA adapters, the safety head and the SO(8) gate.

QLoRA where it can: on CUDA with bitsandbytes the base loads in 4-bit NF4 and goes through peft's
``prepare_model_for_kbit_training``; elsewhere the same code trains LoRA on the full-precision base.
One forward pass serves both heads: the hidden states of the head's layer are pooled at the last
prompt token for SafetyHeadB, and the final hidden states feed the LM loss of TaskHeadA.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import nn

from model.artifacts import tokenizer_digest
from model.default_model import ensure_default_model
from model.gate import GateConfig, SO8Gate, attach
from model.head import SafetyHead, SafetyHeadConfig, check_compatible, load_head
from model.labels import LABELS, Decision
from model.loading import LoadConfig, load_causal_lm
from training.lora.batching import Batch, Encoded, collate
from training.lora.config import ConfigError, LossSettings, TrainConfig
from training.lora.losses import LossTerms, composite_loss

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    device: str  # "cuda" | "cpu"
    quantised: bool  # base in 4-bit NF4 (QLoRA)
    precision: str  # "bf16" (autocast) | "fp32"

    def describe(self) -> str:
        if self.quantised:
            return f"QLoRA: 4-bit NF4 base on {self.device}, LoRA adapters, {self.precision} autocast"
        why = "" if self.device == "cuda" else " (no CUDA, so no 4-bit quantisation)"
        return f"full-precision LoRA on {self.device}{why}, {self.precision}"


def choose_placement(config: TrainConfig) -> Placement:
    cuda = torch.cuda.is_available()
    if config.device == "cuda" and not cuda:
        raise ConfigError("device: cuda was asked for, but torch sees no CUDA device")
    device = "cuda" if cuda and config.device != "cpu" else "cpu"
    bnb = importlib.util.find_spec("bitsandbytes") is not None
    if config.load_in_4bit is True and not (device == "cuda" and bnb):
        raise ConfigError("load_in_4bit: true needs CUDA and bitsandbytes (pip install '.[gpu]')")
    quantised = config.load_in_4bit is True or (config.load_in_4bit == "auto" and device == "cuda" and bnb)
    bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    precision = (
        "bf16" if config.mixed_precision == "bf16" or (config.mixed_precision == "auto" and bf16) else "fp32"
    )
    if precision == "bf16" and device != "cuda":
        raise ConfigError("mixed_precision: bf16 is only supported on CUDA here; use auto or no")
    return Placement(device=device, quantised=quantised, precision=precision)


def resolve_base(config: TrainConfig) -> str:
    if config.base_model == "default":
        return str(ensure_default_model(Path(config.var_dir) / "models"))
    return config.base_model


def default_head_dir() -> Path:
    return Path(str(resources.files("model").joinpath("assets", "default_head")))


@dataclass(frozen=True)
class Forward:
    head_logits: torch.Tensor  # (batch, 3) fp32
    pooled: torch.Tensor  # (batch, hidden)
    final_hidden: torch.Tensor  # (batch, seq, hidden), after the final norm
    head_hidden: torch.Tensor  # (batch, seq, hidden) at the head's layer (PET reads it)


class TrainModel:
    """The peft-wrapped LM + head + gate, on one device."""

    def __init__(
        self, lm: Any, tokenizer: Any, head: SafetyHead, gate: SO8Gate | None, base: str, placement: Placement
    ) -> None:
        self.lm, self.tokenizer, self.head, self.gate = lm, tokenizer, head, gate
        self.base, self.placement = base, placement
        self.device = torch.device(placement.device)
        self.pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
        self.tokenizer_sha256 = tokenizer_digest(tokenizer)  # before any call can change its padding state

    def lora_parameters(self) -> list[nn.Parameter]:
        return [p for _, p in self.lm.named_parameters() if p.requires_grad]

    def head_parameters(self) -> list[nn.Parameter]:
        return [*self.head.parameters(), *(self.gate.parameters() if self.gate is not None else [])]

    def output_head(self) -> Callable[[torch.Tensor], torch.Tensor]:
        out: Callable[[torch.Tensor], torch.Tensor] = self.lm.get_output_embeddings()
        return out

    def train(self, mode: bool = True) -> None:
        for module in (self.lm, self.head, *([self.gate] if self.gate is not None else [])):
            module.train(mode)

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.placement.precision == "bf16":
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def forward(self, batch: Batch) -> Forward:
        with self.autocast():
            out = self.lm(
                input_ids=batch.input_ids,
                attention_mask=batch.attention_mask,
                output_hidden_states=True,
                use_cache=False,
                logits_to_keep=1,  # the LM loss builds logits only where there are labels
            )
            head_hidden = out.hidden_states[self.head.config.layer]  # (batch, seq, hidden)
            pooled = head_hidden[torch.arange(batch.size, device=self.device), batch.prompt_last]
            logits = self.head(pooled)
        return Forward(logits, pooled, out.hidden_states[-1], head_hidden)

    def losses(
        self,
        batch: Batch,
        settings: LossSettings,
        weights: torch.Tensor | None,
        step: int,
        total_steps: int,
        row_weights: torch.Tensor | None = None,
    ) -> LossTerms:
        """One forward pass, then every term of the composite loss for this micro-batch."""
        fwd = self.forward(batch)
        with self.autocast():
            return composite_loss(
                head_logits=fwd.head_logits,
                safety_labels=batch.safety_labels,
                final_hidden=fwd.final_hidden,
                lm_labels=batch.labels,
                output_head=self.output_head(),
                pet_hidden=fwd.head_hidden,
                attention_mask=batch.attention_mask,
                settings=settings,
                weights=weights,
                step=step,
                total_steps=total_steps,
                row_weights=None if row_weights is None else row_weights.to(self.device),
            )

    @torch.no_grad()
    def pooled_states(self, encoded: Sequence[Encoded], *, batch_size: int) -> torch.Tensor:
        """Pooled head-layer states (n, hidden) fp32 on CPU, in the order given (eval mode)."""
        was_training = self.head.training
        self.train(False)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].input_ids))
        out = torch.empty(len(encoded), self.head.config.hidden_size)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            fwd = self.forward(collate([encoded[i] for i in idx], pad_id=self.pad_id).to(self.device))
            out[idx] = fwd.pooled.float().cpu()
        self.train(was_training)
        return out

    def safety_probs(self, encoded: Sequence[Encoded], *, batch_size: int) -> list[dict[Decision, float]]:
        """The head's probabilities (its current temperature) per prompt, as the runtime reports them."""
        return self.head_probs(self.pooled_states(encoded, batch_size=batch_size))

    def head_probs(self, pooled: torch.Tensor) -> list[dict[Decision, float]]:
        """The head's probabilities for pooled states, in eval mode (no dropout) even mid-training."""
        was_training = self.head.training
        self.head.eval()
        with torch.no_grad():
            probs = self.head.probs(pooled.to(self.device)).cpu()
        self.head.train(was_training)
        return [{label: float(p[i]) for i, label in enumerate(LABELS)} for p in probs]

    def trainable_state(self) -> dict[str, torch.Tensor]:
        state = {
            f"lm.{n}": p.detach().cpu().clone() for n, p in self.lm.named_parameters() if p.requires_grad
        }
        state.update({f"head.{k}": v.detach().cpu().clone() for k, v in self.head.state_dict().items()})
        if self.gate is not None:
            state.update({f"gate.{k}": v.detach().cpu().clone() for k, v in self.gate.state_dict().items()})
        return state

    @torch.no_grad()
    def load_trainable_state(self, state: dict[str, torch.Tensor]) -> None:
        own = dict(self.lm.named_parameters())
        expected = {f"lm.{n}" for n, p in own.items() if p.requires_grad}
        expected |= {f"head.{k}" for k in self.head.state_dict()}
        expected |= {f"gate.{k}" for k in self.gate.state_dict()} if self.gate is not None else set()
        if set(state) != expected:
            raise ValueError(
                f"checkpoint weights do not fit this model ({len(set(state) ^ expected)} names differ, "
                "e.g. " + ", ".join(sorted(set(state) ^ expected)[:3]) + ")"
            )
        for name, value in state.items():
            part, key = name.split(".", 1)
            if part == "lm":
                own[key].copy_(value)
        self.head.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("head.")})
        if self.gate is not None:
            self.gate.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("gate.")})


def build_model(config: TrainConfig, placement: Placement) -> TrainModel:
    """Load the base, wrap it with LoRA, make (or warm-start) the head, attach the gate. Seeds first."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    base = resolve_base(config)
    lm, tokenizer = load_causal_lm(
        LoadConfig(
            name_or_path=base,
            dtype="bfloat16" if placement.device == "cuda" else "float32",
            local_files_only=config.local_files_only,
            load_in_4bit=placement.quantised,
            device=placement.device,
        )
    )
    if placement.quantised:
        lm = prepare_model_for_kbit_training(lm, use_gradient_checkpointing=config.gradient_checkpointing)
    elif config.gradient_checkpointing:
        lm.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        lm.enable_input_require_grads()
    torch.manual_seed(config.seed)
    n_layers = lm.config.num_hidden_layers
    outside = [v for v in config.lora.layers or () if not 0 <= v < n_layers]
    if outside:
        raise ConfigError(f"lora.layers {outside} are outside the model's decoder layers 0..{n_layers - 1}")
    lora = LoraConfig(
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.targets),
        layers_to_transform=list(config.lora.layers) if config.lora.layers else None,
        bias="none",
        task_type="CAUSAL_LM",
    )
    lm = get_peft_model(lm, lora)
    head = _make_head(config, hidden_size=lm.config.hidden_size, n_layers=lm.config.num_hidden_layers)
    gate = None
    if config.gate.enabled:
        layer = config.gate.layer if config.gate.layer >= 0 else n_layers + config.gate.layer
        if not 0 <= layer < n_layers:
            raise ConfigError(f"gate.layer {config.gate.layer} is outside the model's {n_layers} layers")
        head_index = head.config.layer % (n_layers + 1)  # hidden_states[h] is decoder layer h-1's output
        if layer >= head_index:
            log.warning(
                "gate.layer %d is not below the safety head's layer %d: the gate cannot shape the head's "
                "input and only the LM answers see it; set gate.layer below the head's layer",
                layer,
                head_index,
            )
        width = lm.get_decoder().layers[layer].self_attn.o_proj.in_features
        gate = SO8Gate(GateConfig(width=width, layer=layer, strength=config.gate.strength))
        gate.to(placement.device)
        attach(lm, gate)
    head.to(placement.device)
    model = TrainModel(lm, tokenizer, head, gate, base, placement)
    model.train()
    return model


def _make_head(config: TrainConfig, *, hidden_size: int, n_layers: int) -> SafetyHead:
    source = config.head.init_from
    if source:
        directory = default_head_dir() if source == "default" else Path(source)
        if not (directory / "safety_head.json").is_file():
            raise ConfigError(f"head.init_from: {directory} holds no safety head (safety_head.json)")
        head = load_head(directory)
        check_compatible(head, directory, hidden_size=hidden_size)
        head.config = replace(head.config, temperature=1.0)  # refitted on validation at the end
        log.info("safety head warm-started from %s (layer %d)", directory, head.config.layer)
        return head
    if not -(n_layers + 1) <= config.head.layer <= n_layers:
        raise ConfigError(f"head.layer {config.head.layer} is outside hidden_states (0..{n_layers}, -1)")
    return SafetyHead(
        SafetyHeadConfig(
            hidden_size=hidden_size,
            layer=config.head.layer,
            mlp_size=config.head.mlp_size,
            dropout=config.head.dropout,
        )
    )
