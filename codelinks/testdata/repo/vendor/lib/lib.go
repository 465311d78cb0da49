package lib

// threatls: mitigates vendored
func Lib() {}
