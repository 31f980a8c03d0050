"""The verifiable log's own mathematics and formats, with no Django and no database (R-9.1):
Merkle tree hashing and proofs (RFC 6962/9162), tiles (C2SP tlog-tiles), signed notes,
checkpoints and cosignatures (C2SP signed-note, tlog-checkpoint, tlog-cosignature).

The platform (`chengnuo.audit.log`), its witnesses (`log_witness`) and the offline verifier
(`tools/logverify.py`) all use these modules, so anyone can check the log with the same code
and nothing else installed than `cryptography` and `gmssl`.
"""
