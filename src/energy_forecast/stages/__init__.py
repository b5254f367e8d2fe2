"""Pipeline stages: each reads its params, calls the library and writes its outputs."""
