"""Pure contract date calculations: frozen terms in, explained key dates out."""
