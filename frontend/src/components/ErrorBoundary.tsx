/** Keeps one broken view from blanking the dApp: says what went wrong and lets the household go on. */
import { Component, type ReactNode } from "react";

import { explainError } from "../lib/errors";

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: unknown }> {
  state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  componentDidUpdate(previous: { resetKey: string }) {
    // another page or account: try again
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  render() {
    if (this.state.error) {
      return (
        <div className="card" role="alert">
          <h2>This page could not be shown</h2>
          <p className="error">{explainError(this.state.error)}</p>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
