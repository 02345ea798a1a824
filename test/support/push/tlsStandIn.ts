// The stand-ins' TLS server lives with the bench harness, which drives the Web Push stand-in too.
export * from '../../../loadtest/harness/push/tlsStandIn';
