//! Tests: api_agents.
