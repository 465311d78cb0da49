// threatls: mitigates build-output
