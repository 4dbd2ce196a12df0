"""The joint trainer: LoRA + safety head + SO(8) gate, its config, losses, optimisers and loop."""
