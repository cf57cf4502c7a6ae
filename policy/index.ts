/**
 * The policy pack every aiterm-litellm deployment runs under:
 *   npm ci --prefix policy && pulumi preview --stack dev --policy-pack policy
 * Constructing the PolicyPack starts the policy server the Pulumi CLI talks to, so the policies
 * themselves live in policies.ts, where tests import them.
 */
import { PolicyPack } from "@pulumi/policy";
import { guardrails } from "./policies";

new PolicyPack("aiterm-litellm-guardrails", { policies: guardrails });
