"""The audit log: who changed what, when, and from what to what. Low in the layers (it
imports only the shell), so every domain can write to it inside its own transaction."""
