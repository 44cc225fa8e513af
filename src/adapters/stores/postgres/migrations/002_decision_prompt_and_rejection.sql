-- Decisions of the LLM policy keep the prompt template's version; a decision the guardrails
-- refused keeps what was proposed and the rule it broke (JSON text).
ALTER TABLE decisions ADD COLUMN prompt_version TEXT;
ALTER TABLE decisions ADD COLUMN rejected TEXT;
