package generated

// threatls: mitigates reincluded
func Keep() {}
