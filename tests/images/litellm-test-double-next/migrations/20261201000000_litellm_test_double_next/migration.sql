-- TEST DOUBLE migration of the "next" release: one new column, as LiteLLM's schema changes add them.
ALTER TABLE "LiteLLM_VerificationToken" ADD COLUMN IF NOT EXISTS "test_double_next" TEXT;
