// threatls: component web
import { render } from "./render";

export const API_URL = "https://api.example.com"; // not a comment: https://x

/* threatls: mitigates xss@web */
export function sanitize(html: string): string {
  const tpl = `// threatls: mitigates in-template ${html}`;
  return tpl.replace(/</g, "&lt;");
}

export class App {
  private readonly name: string = "app";

  render(): string {
    return render(this.name);
  }

  private handle = async (event: Event): Promise<void> => {
    console.log(event);
  };
}

export const validate = (input: string): boolean => input.length < 100;
