package codelinks

import (
	"strconv"
	"strings"
	"testing"
)

// symbolsOf runs the symbol finder of file's language on src, as Resolve does.
func symbolsOf(file, src string) string {
	syn := syntaxFor(file)
	code := make([]byte, len(src))
	lex([]byte(src), syn, code)
	var out []string
	for _, s := range syn.symbols(strings.Split(string(code), "\n")) {
		out = append(out, s.qualified()+":"+strconv.Itoa(s.Line))
	}
	return strings.Join(out, " ")
}

func TestSymbolFinders(t *testing.T) {
	tests := []struct{ file, src, want string }{
		{"a.go", `package a

// func Commented() {}
type (
	Reader interface{ Read() }
	Writer struct {
		field int
	}
)

var (
	ErrX = errors.New("func InString() {")
	_    = 1
)

func (r *Reader) Read() {}
func (w Writer[T]) Write[T any]() {
	f := func() {}
}
func Top[T any](x T) {}
`, "Reader:5 Writer:6 ErrX:12 Reader.Read:16 Writer.Write:17 Top:20"},
		{"a.py", `import x

TIMEOUT: int = 5

class Handler(Base):
    """def in_docstring(): pass"""

    def get(self):
        def inner():
            pass

    @staticmethod
    async def post(self):
        pass

def helper():
    if x == 1:
        pass
`, "TIMEOUT:3 Handler:5 Handler.get:8 get.inner:9 Handler.post:13 helper:16"},
		{"a.ts", `export default class Api extends Base<T> implements Http {
  static readonly version = "1";
  #secret = 0;
  constructor(private http: Http) { super(); }
  async get<T>(url: string): Promise<T> {
    if (x) { return call(url); }
    const local = 1;
  }
  private onError = (e: Error) => { log(e); };
}

export interface Shape {
  area(): number;
}
export type Id = string;
export enum Color { Red = 1, Green }
function helper(): void {}
export const handler = async (req: Request) => {};
let counter = 0;
module.exports.legacy = function () {};
`, "Api:1 Api.version:2 Api.#secret:3 Api.constructor:4 Api.get:5 Api.onError:9 Shape:12 Shape.area:13 Id:15 Color:16 helper:17 handler:18 counter:19 legacy:20"},
		{"a.java", `package a;

@Service
public final class OrderService implements Service {
    private final Repo repo = Repo.create();

    @Override
    public List<Order> findAll(String customer) throws IOException {
        if (customer == null) { throw new IllegalArgumentException(); }
        return repo.query(customer);
    }

    OrderService(Repo repo) { this.repo = repo; }

    static class Inner {
        void run() {}
    }
}
`, "OrderService:4 OrderService.findAll:8 OrderService.OrderService:13 OrderService.Inner:15 Inner.run:16"},
		{"a.kt", `package a

data class Order(val id: String)

class OrderService(private val repo: Repo) {
    fun find(id: String): Order? = repo.get(id)
    private suspend fun save(o: Order) {}
}

fun String.slug(): String = lowercase()
const val LIMIT = 10
`, "Order:3 OrderService:5 OrderService.find:6 OrderService.save:7 String.slug:10 LIMIT:11"},
		{"a.cs", `namespace Shop.Orders
{
    public class OrderService
    {
        public async Task<Order> FindAsync(string id)
        {
            return await repo.GetAsync(id);
        }
        public string Name { get; set; }
    }
}
`, "Shop:1 Shop.OrderService:3 OrderService.FindAsync:5 OrderService.Name:9"},
		{"a.rs", `use std::fmt;

pub struct Order { id: String }

impl<'a> fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{}", self.id) }
}

impl Order {
    pub fn new(id: &str) -> Self { Order { id: id.into() } }
}

pub trait Store {
    fn get(&self) -> Order;
}
pub(crate) async fn handler() {}
const MAX: usize = 10;
`, "Order:3 Order:5 Order.fmt:6 Order:9 Order.new:10 Store:13 Store.get:14 handler:16 MAX:17"},
		{"a.rb", `module Shop
  class Order
    def self.find(id)
    end

    def save!
    end
  end
end
`, "Shop:1 Shop.Order:2 Order.find:3 Order.save!:6"},
		{"a.sh", "#!/bin/sh\ndeploy() {\n  echo\n}\nfunction rollback {\n  :\n}\n", "deploy:2 rollback:5"},
		{"a.lua", "local function helper() end\nfunction M.run(x) end\nfunction M:stop() end\nlocal cb = function() end\n", "helper:1 M.run:2 M.stop:3 cb:4"},
		{"a.sql", "create table if not exists public.orders (id int);\nCREATE OR REPLACE VIEW \"open_orders\" AS SELECT 1;\n", "public.orders:1 open_orders:2"},
		{"a.c", "#define MAX 10\nstruct order {\n  int id;\n};\nstatic int parse_order(const char *s) {\n  return atoi(s);\n}\nint prototype(int);\n", "MAX:1 order:2 parse_order:5"},
		{"a.php", "<?php\nclass Cart {\n  public function add($item) {}\n}\nfunction helper() {}\n", "Cart:2 Cart.add:3 helper:5"},
		{"a.swift", "struct Order {\n  func total() -> Int { 0 }\n}\nlet limit = 5\n", "Order:1 Order.total:2 limit:4"},
		{"a.scala", "object Main {\n  def run(): Unit = {}\n}\n", "Main:1 Main.run:2"},
		{"a.hs", "module Main where\ndata Order = Order Int\nparse :: String -> Order\nparse = undefined\n", "Order:2 parse:3"},
	}
	for _, tt := range tests {
		if got := symbolsOf(tt.file, tt.src); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.file, got, tt.want)
		}
	}
}
