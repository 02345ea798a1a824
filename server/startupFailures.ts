/** Start-up failure text when the port cannot be bound; harnesses retry on another port. */
export const PORT_UNAVAILABLE = 'PORT_UNAVAILABLE';
