# threatls: mitigates ignored-tmp
