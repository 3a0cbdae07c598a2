//! Shared setup for the engine benches.
