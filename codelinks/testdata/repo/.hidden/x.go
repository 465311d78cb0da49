package hidden

// threatls: mitigates hidden
