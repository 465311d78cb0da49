package generated

// threatls: mitigates ignored-generated
