import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { PriceLimit } from "../src/pages/HomePage";

describe("a price limit in My Preferences", () => {
  it("is parsed exactly, refused when negative or over-precise, and empty means no limit", () => {
    const onChange = vi.fn();
    const onError = vi.fn();
    render(<PriceLimit label="Never sell below (ct/kWh)" aria="Minimum sell price" value={82_001} onChange={onChange} onError={onError} />);
    const input = screen.getByLabelText("Minimum sell price") as HTMLInputElement;
    expect(input.value).toBe("8.2001");

    fireEvent.change(input, { target: { value: "12,5" } });
    expect(onChange).toHaveBeenLastCalledWith(125_000);
    expect(onError).toHaveBeenLastCalledWith(null);

    fireEvent.change(input, { target: { value: "1.23456" } });
    expect(onError).toHaveBeenLastCalledWith(expect.stringMatching(/at most 4 decimal places/));
    expect(screen.getByRole("alert").textContent).toMatch(/at most 4 decimal places/);
    expect(onChange).toHaveBeenCalledTimes(1);

    fireEvent.change(input, { target: { value: "-3" } });
    expect(onError).toHaveBeenLastCalledWith(expect.stringMatching(/negative/));

    fireEvent.change(input, { target: { value: "" } });
    expect(onChange).toHaveBeenLastCalledWith(undefined);
    expect(onError).toHaveBeenLastCalledWith(null);
  });
});
