/** The issueInvoice workflow id for a business key (`invoice:purchase:pur_…`); pure, so workflows may import it. */
export function invoiceWorkflowId(source: string): string {
  return `invoice:${source}`;
}

/** The business key of the credit note that voids an invoice. */
export function voidSource(invoiceId: string): string {
  return `void:${invoiceId}`;
}
