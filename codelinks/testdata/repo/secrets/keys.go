package secrets

// threatls: mitigates ignored-secret
