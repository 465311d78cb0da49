#!/bin/sh
# threatls: component deployer
set -eu

deploy() {
  echo "deploying ${1}#not-a-comment"
}

deploy "$@"
