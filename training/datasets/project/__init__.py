"""Project-written safety data sets (hard benign, Japanese office requests, Japanese harmful requests,
English office requests).

``python -m training.datasets.project.build`` regenerates the JSONL files in this folder; see README.md.
Standard library only.
"""
